"""Wire formats: each format's encoder and decoder side by side (docs/architecture.md)."""
