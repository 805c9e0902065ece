"""Prepackaged graph components, served by class name: ``MODEL_NAME=seldon_s2i.components.EpsilonGreedy``.

Plain user-style classes with Seldon's Python component methods and typed parameters (see the table in the
wrapper's README). The drift detector, and the outlier detector without an explicit threshold, need scipy
(the wrapper's ``components`` extra); importing this package does not.
"""

from seldon_s2i.components.combiners import MajorityVote, Mean, SoftVote, WeightedMean
from seldon_s2i.components.drift import KSDriftDetector
from seldon_s2i.components.outliers import MahalanobisOutlierDetector
from seldon_s2i.components.routers import ABTest, EpsilonGreedy, ThompsonSampling
from seldon_s2i.components.scaler import StandardScaler

# Class name -> Seldon service type it serves as, in the order of the README's table.
SERVICE_TYPES = {
    "ABTest": "ROUTER",
    "EpsilonGreedy": "ROUTER",
    "ThompsonSampling": "ROUTER",
    "Mean": "COMBINER",
    "WeightedMean": "COMBINER",
    "MajorityVote": "COMBINER",
    "SoftVote": "COMBINER",
    "StandardScaler": "TRANSFORMER",
    "MahalanobisOutlierDetector": "TRANSFORMER",
    "KSDriftDetector": "TRANSFORMER",
}

__all__ = [
    "SERVICE_TYPES",
    "ABTest",
    "EpsilonGreedy",
    "KSDriftDetector",
    "MahalanobisOutlierDetector",
    "MajorityVote",
    "Mean",
    "SoftVote",
    "StandardScaler",
    "ThompsonSampling",
    "WeightedMean",
]
