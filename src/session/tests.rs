//! Unit tests of the pure state machine (more, end to end, in tests/).
