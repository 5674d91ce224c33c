"""Wire formats: each format's encoder and decoder side by side (DESIGN.md §2)."""
