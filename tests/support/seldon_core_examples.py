"""Seldon Core 1.x's published example SeldonDeployments, written out as users apply them.

From Seldon Core's documentation and notebooks (mock classifier, prepackaged SKLearn
server, v1alpha2 manifest, RANDOM_ABTEST router, canary split, HPA, a four-step chain).
Used by tests/manifests to check our CRD and graph rules accept them unchanged.
"""

from __future__ import annotations

SELDON_CORE_EXAMPLES = """
apiVersion: machinelearning.seldon.io/v1
kind: SeldonDeployment
metadata:
  name: seldon-model
spec:
  name: test-deployment
  predictors:
  - componentSpecs:
    - spec:
        containers:
        - image: seldonio/mock_classifier:1.0
          name: classifier
    graph:
      children: []
      endpoint:
        type: REST
      name: classifier
      type: MODEL
    name: example
    replicas: 1
---
apiVersion: machinelearning.seldon.io/v1
kind: SeldonDeployment
metadata:
  name: iris-model
  namespace: seldon
spec:
  name: iris
  predictors:
  - graph:
      implementation: SKLEARN_SERVER
      modelUri: gs://seldon-models/v1.18.2/sklearn/iris
      name: classifier
    name: default
    replicas: 1
---
apiVersion: machinelearning.seldon.io/v1alpha2
kind: SeldonDeployment
metadata:
  labels:
    app: seldon
  name: seldon-deployment-example
spec:
  name: sklearn-iris-deployment
  predictors:
  - componentSpecs:
    - spec:
        containers:
        - image: seldonio/sklearn-iris:0.1
          imagePullPolicy: IfNotPresent
          name: sklearn-iris-classifier
    graph:
      children: []
      endpoint:
        type: REST
      name: sklearn-iris-classifier
      type: MODEL
    name: sklearn-iris-predictor
    replicas: 1
---
apiVersion: machinelearning.seldon.io/v1
kind: SeldonDeployment
metadata:
  name: abtest
spec:
  annotations:
    seldon.io/rest-timeout: "5000"
  name: abtest
  predictors:
  - componentSpecs:
    - spec:
        containers:
        - image: seldonio/mock_classifier:1.0
          name: classifier-1
          resources:
            requests:
              memory: 1Mi
        - image: seldonio/mock_classifier:1.0
          name: classifier-2
        terminationGracePeriodSeconds: 20
    graph:
      children:
      - name: classifier-1
        type: MODEL
        endpoint:
          type: REST
      - name: classifier-2
        type: MODEL
        endpoint:
          type: REST
      endpoint: {}
      implementation: RANDOM_ABTEST
      name: random-ab-test
      parameters:
      - name: ratioA
        type: FLOAT
        value: "0.5"
    name: abtest
    replicas: 1
    svcOrchSpec:
      env:
      - name: SELDON_LOG_LEVEL
        value: DEBUG
      - name: SELDON_ENABLE_ROUTING_INJECTION
        value: "true"
---
apiVersion: machinelearning.seldon.io/v1
kind: SeldonDeployment
metadata:
  name: example-canary
spec:
  name: canary-example
  predictors:
  - componentSpecs:
    - spec:
        containers:
        - image: seldonio/mock_classifier:1.0
          name: classifier
    graph:
      name: classifier
      type: MODEL
    name: main
    replicas: 1
    traffic: 75
  - componentSpecs:
    - spec:
        containers:
        - image: seldonio/mock_classifier:1.1
          name: classifier
    graph:
      name: classifier
      type: MODEL
    name: canary
    replicas: 1
    traffic: 25
    labels:
      version: canary
---
apiVersion: machinelearning.seldon.io/v1
kind: SeldonDeployment
metadata:
  name: seldon-model-hpa
spec:
  name: test-deployment
  predictors:
  - componentSpecs:
    - hpaSpec:
        maxReplicas: 3
        metrics:
        - resource:
            name: cpu
            targetAverageUtilization: 10
          type: Resource
        minReplicas: 1
      spec:
        containers:
        - image: seldonio/mock_classifier:1.0
          imagePullPolicy: IfNotPresent
          name: classifier
          resources:
            requests:
              cpu: "0.5"
        terminationGracePeriodSeconds: 1
    graph:
      children: []
      endpoint:
        type: REST
      name: classifier
      type: MODEL
    name: example
---
apiVersion: machinelearning.seldon.io/v1
kind: SeldonDeployment
metadata:
  name: seldon-model-chain
spec:
  name: chain
  protocol: seldon
  transport: rest
  predictors:
  - componentSpecs:
    - spec:
        containers:
        - image: seldonio/transformer:1.0
          name: step-one
        - image: seldonio/mock_classifier:1.0
          name: step-two
        - image: seldonio/combiner:1.0
          name: step-three
        - image: seldonio/output-transformer:1.0
          name: step-four
    graph:
      name: step-one
      type: TRANSFORMER
      children:
      - name: step-three
        type: COMBINER
        children:
        - name: step-two
          type: MODEL
          children:
          - name: step-four
            type: OUTPUT_TRANSFORMER
    name: chain
    annotations:
      seldon.io/no-engine: "false"
"""

