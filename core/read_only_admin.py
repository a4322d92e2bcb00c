"""Admin pages that show records nobody may add, change or delete there."""

from django.contrib import admin
from django.utils.text import capfirst


class PlainTitles:
    """Titles that say what the page is: "Audit entries" and "Invoice INV-1001", where
    Django's read-only pages say "Select audit entry to view" and "View invoice"."""

    def title_for(self, obj):
        return f"{capfirst(self.opts.verbose_name)} {obj}"

    def changelist_view(self, request, extra_context=None):
        title = capfirst(self.opts.verbose_name_plural)
        return super().changelist_view(request, {"title": title, **(extra_context or {})})

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(title=self.title_for(obj), subtitle=None)
        return super().render_change_form(request, context, add, change, form_url, obj)


class ReadOnlyAdmin(PlainTitles, admin.ModelAdmin):
    """A list and a view page only: these rows change through the services, never by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
