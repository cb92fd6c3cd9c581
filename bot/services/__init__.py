"""The use cases: each function owns one action and its transaction, and takes `now` explicitly."""
