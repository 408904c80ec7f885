"""What the rule files need from Python, as tested functions: the package sources a script imports
(``sources``), resource requests (``resources``), where the raw data is (``data``), the config
views of each paper's rules (``energy``, ``imbalanced_gpu``) and the parse-time checks the schema cannot
express (``config_checks``, with the cross-field rules in ``config_rules``). Rule files hold no logic of their own."""
