from django.urls import path

from gongjian.funds import ledger_views, views

app_name = "funds"

urlpatterns = [
    path("", views.fund_index, name="index"),
    path("communities/<int:pk>/", ledger_views.community_ledger, name="community"),
    path("communities/<int:pk>/export/", ledger_views.community_export, name="community-export"),
    path("communities/<int:pk>/statement/", ledger_views.statement_file, name="statement"),
    path("pairings/<int:pk>/", ledger_views.pairing_ledger, name="pairing"),
    path("pairings/<int:pk>/export/", ledger_views.pairing_export, name="pairing-export"),
    path("entries/<int:pk>/reverse/", ledger_views.entry_reverse, name="entry-reverse"),
    path("receipts/<int:pk>/", ledger_views.receipt_file, name="receipt"),
]
