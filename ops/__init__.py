"""Running the whole project: the commands that serve every app rather than one (`manage.py
load_all` for `make load`, `manage.py run_workers` for the background workers). No models; it sits
above every app and no app imports it."""
