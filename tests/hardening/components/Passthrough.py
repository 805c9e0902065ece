"""predict_raw model that records the size of every body it receives (used with PAYLOAD_PASSTHROUGH)."""

import os


class Passthrough:
    def predict_raw(self, message):
        size = len(message) if isinstance(message, bytes | str) else -1
        with open(os.environ["COUNTING_LOG"], "a") as handle:
            handle.write(f"{os.getpid()} raw {size}\n")
        return {"strData": f"received {size} bytes"}
