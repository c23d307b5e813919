from accounts import permissions


def roles(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"is_organizer": False, "is_coordinator": False, "is_reviewer": False}
    return {
        "is_organizer": permissions.is_organizer(user),
        "is_coordinator": permissions.is_coordinator(user),
        "is_reviewer": permissions.is_reviewer(user),
    }
