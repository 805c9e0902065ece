"""Sleeps strData seconds, after noting the call's start in the file named by CALLS_LOG (tests poll it)."""

import os
import time


class Sleeper:
    def predict(self, X, features_names):
        with open(os.environ["CALLS_LOG"], "a") as calls:
            calls.write(f"{os.getpid()} {X}\n")
        time.sleep(float(X))
        return f"slept {X}"
