"""Every write goes through a function here (named `<thing>_<verb>`); views,
admin, commands and tasks call them."""
