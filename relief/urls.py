app_name = "relief"

# Pages of this app are added here, each view declaring its access with helpcenter.access.require.
urlpatterns: list = []
