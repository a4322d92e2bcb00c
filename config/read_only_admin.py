"""Admin pages that show records nobody may add, change or delete there."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """A list and a view page only: these rows change through the services, never by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
