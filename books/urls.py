from django.urls import path

from books import views

# Mounted at /settings/quickbooks/ (config/urls.py).
urlpatterns = [
    path("", views.books_settings, name="books_settings"),
    path("callback/", views.books_callback, name="books_callback"),
    path("<slug:slug>/", views.books_settings_for, name="books_settings_for"),
    path("<slug:slug>/connect/", views.books_connect, name="books_connect"),
    path("<slug:slug>/disconnect/", views.books_disconnect, name="books_disconnect"),
]
