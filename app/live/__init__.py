"""Live updates: a broker carries 'workshop X changed' notices, a hub re-renders and fans out."""
