def inbox(request):
    """The unread count for the inbox badge in the navigation (one indexed count per page)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from gongjian.notices.notifications import unread_count

    return {"inbox_unread": unread_count(user)}
