from __future__ import annotations

import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

from issuer.core.settings import Settings
from issuer.credentials import status_slots
from issuer.credentials.status_slots import LIST_SIZE, FeistelPermutation
from issuer.models import StatusList


@pytest.mark.parametrize("key", [b"", b"creditbank", bytes(range(32))])
def test_permutation_is_a_bijection_on_the_full_list(key: bytes) -> None:
    permutation = FeistelPermutation(key, LIST_SIZE)
    image = [permutation(seq) for seq in range(LIST_SIZE)]
    assert sorted(image) == list(range(LIST_SIZE))
    # Keyed and scrambled: not the identity, and another key gives another order.
    assert image[:16] != list(range(16))
    other = FeistelPermutation(key + b"x", LIST_SIZE)
    assert image != [other(seq) for seq in range(LIST_SIZE)]


@settings(max_examples=60)
@given(st.binary(max_size=16), st.integers(min_value=2, max_value=3000))
def test_permutation_is_a_bijection_on_small_domains(key: bytes, size: int) -> None:
    permutation = FeistelPermutation(key, size)
    assert sorted(permutation(seq) for seq in range(size)) == list(range(size))


def test_permutation_refuses_out_of_range() -> None:
    permutation = FeistelPermutation(b"k", 16)
    with pytest.raises(ValueError):
        permutation(16)
    with pytest.raises(ValueError):
        FeistelPermutation(b"k", 1)


def test_permutation_is_keyed_by_list_and_secret(settings: Settings) -> None:
    first = status_slots.permutation_for(settings, "1")
    other_list = status_slots.permutation_for(settings, "2")
    other_key = status_slots.permutation_for(
        settings.model_copy(update={"status_key": SecretStr("another")}), "1"
    )
    seqs = range(64)
    assert [first(s) for s in seqs] != [other_list(s) for s in seqs]
    assert [first(s) for s in seqs] != [other_key(s) for s in seqs]


@pytest.mark.db
def test_allocation_is_unique_under_concurrent_issuers(engine: Engine, settings: Settings) -> None:
    slots: list[tuple[str, int]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def issuer() -> None:
        try:
            for _ in range(10):
                with Session(engine) as session:
                    slot = status_slots.allocate(session, settings)
                    session.commit()
                with lock:
                    slots.append(slot)
        except BaseException as exc:  # reported below; a thread must not swallow it
            errors.append(exc)

    threads = [threading.Thread(target=issuer) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(slots) == 60
    assert len(set(slots)) == 60
    assert all(0 <= index < LIST_SIZE for _, index in slots)


@pytest.mark.db
def test_full_list_opens_a_new_one(engine: Engine, settings: Settings) -> None:
    if engine.dialect.name == "postgresql":
        pytest.skip("on PostgreSQL the sequence hands out slots: see the tests below")
    with Session(engine) as session:
        before = set(session.exec(select(StatusList.id)))
        # Fill every open list, then the next allocation must open a new list.
        for status_list in session.exec(select(StatusList)).all():
            status_list.next_seq = status_list.size - 1
        session.commit()
        last_slots = {status_slots.allocate(session, settings) for _ in before}
        new_list, index = status_slots.allocate(session, settings)
        session.commit()
        assert new_list not in before
        assert {list_id for list_id, _ in last_slots} == before
        assert 0 <= index < LIST_SIZE
        opened = session.get(StatusList, new_list)
        assert opened is not None and opened.next_seq == 1 and opened.size == LIST_SIZE
        assert session.exec(select(col(StatusList.id))).all()


def _postgresql_only(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("status slots come from a sequence on PostgreSQL only")


@pytest.mark.db
def test_sequence_slots_open_the_next_list_at_the_boundary(
    engine: Engine, settings: Settings
) -> None:
    _postgresql_only(engine)
    with Session(engine) as session:
        number = session.execute(text("SELECT nextval('status_slot_seq')")).scalar_one()
        current = number // LIST_SIZE + 1
        # The next number is the last of list `current`, the one after it the first of the next.
        session.execute(
            text("SELECT setval('status_slot_seq', :n)"), {"n": current * LIST_SIZE - 2}
        )
        session.commit()
        last = status_slots.allocate(session, settings)
        first = status_slots.allocate(session, settings)
        session.commit()
        assert last == (
            str(current),
            status_slots.permutation_for(settings, str(current))(LIST_SIZE - 1),
        )
        assert first == (
            str(current + 1),
            status_slots.permutation_for(settings, str(current + 1))(0),
        )
        opened = session.get(StatusList, str(current + 1))
        assert opened is not None and opened.size == LIST_SIZE


@pytest.mark.db
def test_an_open_issuance_does_not_hold_up_the_next(engine: Engine, settings: Settings) -> None:
    """The slot of an issuance not yet committed locks nothing another issuer needs."""
    _postgresql_only(engine)
    with Session(engine) as holding, Session(engine) as other:
        held = status_slots.allocate(holding, settings)  # its transaction stays open
        # A row lock would make this wait; with the sequence it returns at once.
        other.execute(text("SET LOCAL lock_timeout = '2s'"))
        taken = status_slots.allocate(other, settings)
        other.commit()
        holding.commit()
    assert held != taken
