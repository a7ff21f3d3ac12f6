"""Steps shared by the browser tests."""


def follow_job_back(page) -> None:
    """Computing runs as a background job: its page shows it done (tests run jobs at once), then
    "Back" returns to the page the computation was asked from."""
    page.wait_for_selector('.js-job[data-status="done"]')
    page.click("#job-back")
    page.wait_for_load_state()
