"""What the rule files need from Python, as tested functions: the package sources a script imports
(``sources``), resource requests (``resources``), where the raw data is (``data``) and the config
views of each paper's rules (``energy``, ``imbalanced_gpu``). Rule files hold no logic of their own."""
