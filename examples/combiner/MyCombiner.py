"""An example COMBINER: averages the outputs of its children (a model ensemble)."""

import numpy as np


class MyCombiner:
    def aggregate(self, features_list, feature_names_list):
        return np.mean([np.asarray(features, dtype=float) for features in features_list], axis=0)
