from django.shortcuts import render


def csrf_failure(request, reason=""):
    """A 403 that explains itself and hands back whatever the reader wrote."""
    return render(
        request,
        "403_csrf.html",
        {"kept_text": request.POST.get("text", "") if request.method == "POST" else ""},
        status=403,
    )
