from django.urls import path

from widget import views
from widget.api import api

urlpatterns = [
    path("widget.js", views.widget_js, name="widget-js"),
    path("widget/i18n/<str:language>.json", views.catalogue, name="widget-catalogue"),
    path("widget/api/v1/", api.urls),
    path("widget/files/<str:token>/", views.attachment_file, name="widget-file"),
    path("demo/", views.demo_shop, name="demo-shop"),
    path("demo/products/<slug:slug>/", views.demo_product, name="demo-product"),
    path("demo/cart/", views.demo_cart, name="demo-cart"),
]
