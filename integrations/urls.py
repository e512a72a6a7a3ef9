from django.urls import path

from integrations import views

urlpatterns = [
    path("integrations/email/inbound", views.inbound_email, name="email-inbound"),
    path("email/unsubscribe/<str:token>/", views.unsubscribe, name="email-unsubscribe"),
]
