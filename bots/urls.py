from django.urls import path

from bots import views

app_name = "bots"
urlpatterns = [
    path("c/<str:conversation_id>/bot/take-over/", views.take_over, name="take_over"),
    path("c/<str:conversation_id>/bot/hand-back/", views.hand_back, name="hand_back"),
]
