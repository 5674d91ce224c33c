"""Background jobs of the credit bank: CSV imports run by ``creditbank worker``."""
