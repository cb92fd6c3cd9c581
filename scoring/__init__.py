"""The scoring rules of Onboarding Rescue: pure functions of plain values, no I/O."""
