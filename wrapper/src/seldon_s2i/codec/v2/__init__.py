"""The Open Inference Protocol ("V2") codec: the one place that knows its wire formats.

``tensors`` holds the decoded, transport-neutral request and response; ``arrays`` converts tensor data
(JSON lists, little-endian bytes) to and from numpy without per-element Python loops on numeric data;
``rest`` reads and writes the REST JSON body with the binary tensor data extension; ``proto`` reads and
writes ``ModelInferRequest``/``ModelInferResponse``; ``mapping`` turns a request into the arguments of the
user's class and its answer into output tensors.
"""
