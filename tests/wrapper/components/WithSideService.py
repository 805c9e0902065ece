"""A component with Seldon's custom_service(): its own small HTTP endpoint beside the model."""

import os
from http.server import BaseHTTPRequestHandler, HTTPServer


class WithSideService:
    def __init__(self):
        self.greeting = "side service of WithSideService"

    def predict(self, X, features_names):
        return X

    def custom_service(self):
        greeting = self.greeting.encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.end_headers()
                self.wfile.write(greeting)

        HTTPServer(("127.0.0.1", int(os.environ["SIDE_PORT"])), Handler).serve_forever()
