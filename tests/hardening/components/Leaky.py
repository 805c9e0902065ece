"""A model that leaks memory on every call and says which process answered (to watch worker recycling)."""

import os

import numpy as np


class Leaky:
    def __init__(self, megabytes_per_call=0):
        self.megabytes_per_call = int(megabytes_per_call)
        self.kept = []
        self.loaded_in = None

    def load(self):
        self.loaded_in = os.getpid()

    def predict(self, X, features_names):
        if self.megabytes_per_call:
            self.kept.append(np.ones(self.megabytes_per_call * 2**20 // 8))  # touched, so resident
        return f"{os.getpid()} {self.loaded_in} {len(self.kept)}"
