"""Made-up data for the demo, the tests and the benchmarks (no Django imports)."""
