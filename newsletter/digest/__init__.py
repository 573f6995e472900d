"""Many Issues -> one Content: choosing, ordering, de-duplicating and laying out a digest."""
