"""Full-text search of the disclosed decisions: the interface, Whoosh and the outbox."""
