"""HTTP routes of the creditbank issuer, one router per resource."""
