from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class UserLanguageMiddleware:
    """A signed-in person's chosen language wins over the browser's Accept-Language.

    An explicit switch in the header (the language cookie) still wins over both, so
    a Japanese-preferring user can glance at the English page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            and user.preferred_language
            and user.preferred_language != request.LANGUAGE_CODE
        ):
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = user.preferred_language
        return self.get_response(request)


class JapaneseFirstLocaleMiddleware(LocaleMiddleware):
    """Japanese unless the person chose English (the header's switch, or their profile).

    Office PCs in municipalities are often set up with an English browser; the browser's
    Accept-Language is therefore not taken as a choice.
    """

    def process_request(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
