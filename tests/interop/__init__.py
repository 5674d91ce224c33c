"""Interoperability: our credentials checked by software we did not write."""
