"""TensorFlow-compatible protocol messages (no TensorFlow needed)."""
