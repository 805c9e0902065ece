"""The user-component adapter: loading the user's class and calling its methods with Seldon's contract."""
