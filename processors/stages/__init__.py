"""The pipeline's stages: normalize, dedupe and fan-out, each a StageLogic for the runtime."""
