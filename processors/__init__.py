"""Stream processing: the transactional runtime and the normalize, dedupe and fan-out stages."""
