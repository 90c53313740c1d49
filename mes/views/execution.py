urlpatterns: list = []
MENU: tuple = ()
