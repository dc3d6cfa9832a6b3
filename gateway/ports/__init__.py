"""Small protocols the services depend on; adapters implement them."""
