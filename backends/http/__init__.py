"""What every backend's client shares, owned by none of them."""
