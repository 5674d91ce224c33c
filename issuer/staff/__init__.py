"""The credit bank's people: the organisation tree, staff accounts, their TOTP second
factor, console sessions and the scope each role sees."""
