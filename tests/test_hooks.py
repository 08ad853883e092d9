"""Each ``phemu_*`` hook fires at the right time, with the right arguments (phemu/hookspecs.py)."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response

from phemu import Emulator
from phemu import hookimpl
from phemu.admin import ControlError
from phemu.admin import reply
from phemu.context import RequestContext
from phemu.errors import ConfigurationError
from phemu.errors import DroppedConnection
from phemu.errors import SeedError
from phemu.errors import Throttled
from phemu.extend import json_response
from phemu.routing import Route

KEY = "phx_phemuDefaultPersonalApiKey000000000000000000"


def make(*plugins: Any, **kwargs: Any) -> Emulator:
    return Emulator(plugins=plugins, load_entrypoints=False, **kwargs)


def bearer(key: str = KEY) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


# -- phemu_routes -----------------------------------------------------------------------------
def echo(ctx: RequestContext) -> Response:
    assert ctx.project is not None and ctx.owner is not None
    return json_response(
        {"project": ctx.project.id, "user": ctx.owner.email, "pk": ctx.path_values}
    )


ECHO = Route("/echo/<pk>/", "hooktest.echo", {"GET": echo}, "feature_flag")


class RoutesPlugin:
    def __init__(self) -> None:
        self.profiles: list[str] = []

    @hookimpl
    def phemu_routes(self, profile: str) -> list[Route]:
        self.profiles.append(profile)
        return [ECHO]


NARROW_KEY_SEED = {
    "personal_api_keys": [
        {
            "user": "ada@example.com",
            "label": "narrow",
            "value": "phx_narrow",
            "scopes": ["project:read"],
        }
    ]
}


def test_routes_are_added_once_per_emulator_with_the_profile() -> None:
    plugin = RoutesPlugin()
    make(plugin)
    make(plugin, profile="cloud")
    assert plugin.profiles == ["docs", "cloud"]


def test_plugin_routes_get_every_platform_check_and_their_scope() -> None:
    emulator = make(RoutesPlugin(), seeds=[NARROW_KEY_SEED])
    client = emulator.client()
    ok = client.get("/api/environments/@current/echo/7", headers=bearer())
    assert ok.status_code == 200
    assert ok.json == {
        "project": 1,
        "user": "ada@example.com",
        "pk": {"project": "@current", "pk": "7"},
    }
    assert ok.headers["Allow"] == "GET, HEAD, OPTIONS"
    denied = client.get("/api/projects/1/echo/7/", headers=bearer("phx_narrow"))
    assert denied.status_code == 403
    assert denied.json == {
        "type": "authentication_error",
        "code": "permission_denied",
        "detail": "API key missing required scope 'feature_flag:read'",
        "attr": None,
    }
    assert client.get("/api/projects/1/echo/7/").status_code == 401
    assert client.get("/api/projects/999/echo/7/", headers=bearer()).json["detail"] == (
        "Project not found."
    )
    # No POST action on a detail route: personal API keys are refused (posthog/permissions.py).
    assert client.post("/api/projects/1/echo/7/", headers=bearer()).status_code == 403
    assert client.patch("/api/projects/1/echo/7/", headers=bearer()).status_code == 403
    assert (
        emulator.requests(path="/api/environments/@current/echo/7")[0].endpoint == "hooktest.echo"
    )


def test_without_the_plugin_the_route_does_not_exist() -> None:
    response = make().client().get("/api/projects/1/echo/7/", headers=bearer())
    assert response.status_code == 404
    assert response.json["detail"] == "Endpoint not found."


# -- phemu_seed / phemu_reset / phemu_configure ----------------------------------------------
class Lifecycle:
    """Records the order of lifecycle hooks and seeds a second project."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def phemu_configure(self, emulator: Emulator, options: dict[str, Any]) -> None:
        self.calls.append("configure")
        emulator.extensions["lifecycle"] = {"greeting": options.pop("greeting", "hello")}
        # The emulator's parts exist, the seed is not loaded yet.
        assert emulator.store is not None and not emulator.store.projects

    def phemu_reset(self, emulator: Emulator) -> None:
        self.calls.append("reset")
        assert not emulator.store.projects  # a fresh store, seeds not loaded yet

    def phemu_seed(self, emulator: Emulator) -> dict[str, Any]:
        self.calls.append("seed")
        assert isinstance(emulator, Emulator)
        return {
            "projects": [
                {
                    "id": 2,
                    "organization": "01928a6e-3c1d-7000-8000-0000000000aa",
                    "name": "Seeded by a plugin",
                }
            ]
        }


def test_configure_then_seed_on_creation_and_reset_then_seed_on_reset() -> None:
    plugin = Lifecycle()
    emulator = make(plugin, greeting="hi")
    assert plugin.calls == ["configure", "seed"]
    assert emulator.extensions["lifecycle"] == {"greeting": "hi"}
    assert emulator.store.projects[2].name == "Seeded by a plugin"
    emulator.store.projects.pop(2)
    emulator.reset()
    assert plugin.calls == ["configure", "seed", "reset", "seed"]
    assert emulator.store.projects[2].name == "Seeded by a plugin"
    response = emulator.client().get("/api/projects/2/", headers=bearer())
    assert response.json["name"] == "Seeded by a plugin"


def test_control_plane_reset_runs_the_hooks_too() -> None:
    plugin = Lifecycle()
    emulator = make(plugin)
    assert emulator.client().post("/_phemu/reset").status_code == 200
    assert plugin.calls == ["configure", "seed", "reset", "seed"]


def test_seed_may_return_a_list_or_nothing() -> None:
    class Many:
        def phemu_seed(self) -> list[dict[str, Any]]:
            return [
                {
                    "projects": [
                        {
                            "id": 3,
                            "organization": "01928a6e-3c1d-7000-8000-0000000000aa",
                            "name": "three",
                        }
                    ]
                },
                {"version": 1},
            ]

    class Nothing:
        def phemu_seed(self) -> None:
            return None

    emulator = make(Many(), Nothing())
    assert sorted(emulator.store.projects) == [1, 3]


def test_a_bad_plugin_seed_is_rejected_whole() -> None:
    class Bad:
        def phemu_seed(self) -> dict[str, Any]:
            return {"projects": [{"id": 5, "organization": "nope", "name": "x"}]}

    with pytest.raises(SeedError, match="organization 'nope' does not exist"):
        make(Bad())


def test_an_option_no_plugin_takes_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="no phemu plugin took the option"):
        make(greeting="hi")
    with pytest.raises(ConfigurationError, match="'faults'"):
        make(faults=[{"status": 503}])  # the faults plugin is not loaded here


# -- phemu_before_request ---------------------------------------------------------------------
class Answer:
    def __init__(self, name: str, answer: bool = True) -> None:
        self.name, self.answer, self.seen = name, answer, 0

    def phemu_before_request(self, emulator: Emulator, request: Request) -> Response | None:
        self.seen += 1
        assert isinstance(request, Request)
        if not self.answer:
            return None
        return json_response({"from": self.name, "path": request.path}, status=418)


def test_first_result_wins_and_later_registered_plugins_go_first() -> None:
    first, second = Answer("first"), Answer("second")
    emulator = make(first, second)
    response = emulator.client().get("/api/anything/at/all")  # before routing and auth
    assert response.status_code == 418
    assert response.json == {"from": "second", "path": "/api/anything/at/all"}
    assert (first.seen, second.seen) == (0, 1)
    # Still journaled, with the hook's status.
    assert [e.status for e in emulator.requests(path="/api/anything/at/all")] == [418]


def test_none_falls_through_to_the_next_plugin_and_then_the_emulator() -> None:
    silent, answering = Answer("answering"), Answer("silent", answer=False)
    emulator = make(silent, answering)
    assert emulator.client().get("/api/projects/1/").json["from"] == "answering"
    assert answering.seen == 1
    only_silent = make(Answer("silent", answer=False))
    assert only_silent.client().get("/api/projects/1/", headers=bearer()).status_code == 200


def test_before_request_may_raise_posthog_errors_or_drop_the_connection() -> None:
    class Raiser:
        def phemu_before_request(self, request: Request) -> None:
            if request.path.endswith("/drop/"):
                raise DroppedConnection("gone")
            raise Throttled(7)

    emulator = make(Raiser())
    response = emulator.client().get("/api/projects/1/")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response.json["detail"] == "Request was throttled. Expected available in 7 seconds."
    with pytest.raises(DroppedConnection):
        emulator.client().get("/api/projects/1/drop/")
    dropped = emulator.requests(path="/api/projects/1/drop/")
    assert [(e.status, e.error) for e in dropped] == [(0, "dropped connection")]


def test_a_crashing_hook_is_a_500_and_a_recorded_bug() -> None:
    class Crash:
        def phemu_before_request(self) -> None:
            raise RuntimeError("plugin bug")

    emulator = make(Crash())
    response = emulator.client().get("/api/projects/1/")
    assert response.status_code == 500
    assert response.json["detail"] == "A server error occurred."
    assert "plugin bug" in emulator.bugs[0]


def test_control_plane_requests_skip_the_request_hooks() -> None:
    plugin = Answer("x")
    emulator = make(plugin)
    assert emulator.client().get("/_phemu/health").status_code == 200
    assert plugin.seen == 0


# -- phemu_after_response ---------------------------------------------------------------------
class Observer:
    def __init__(self) -> None:
        self.seen: list[tuple[str, int]] = []

    def phemu_after_response(
        self, emulator: Emulator, request: Request, response: Response
    ) -> None:
        self.seen.append((request.path, response.status_code))
        response.headers["X-Observed"] = str(len(self.seen))
        if request.path.endswith("/teapot/"):
            response.status_code = 418


def test_after_response_sees_every_answer_and_may_modify_it() -> None:
    observer = Observer()
    emulator = make(observer, Answer("hooked"))
    client = emulator.client()
    assert client.get("/api/x/").headers["X-Observed"] == "1"  # a before_request answer
    plain = make(observer)
    client = plain.client()
    ok = client.get("/api/projects/1/", headers=bearer())
    unauthenticated = client.get("/api/projects/1/")
    teapot = client.get("/api/projects/1/teapot/")
    assert (ok.headers["X-Observed"], unauthenticated.headers["X-Observed"]) == ("2", "3")
    assert teapot.status_code == 418
    assert observer.seen == [
        ("/api/x/", 418),
        ("/api/projects/1/", 200),
        ("/api/projects/1/", 401),
        ("/api/projects/1/teapot/", 404),
    ]
    # The journal records what the client received.
    assert plain.requests(path="/api/projects/1/teapot/")[0].status == 418
    client.get("/_phemu/requests")
    assert len(observer.seen) == 4


# -- phemu_subscription_delivery --------------------------------------------------------------
def test_subscription_delivery_sees_each_outbox_entry_with_its_id() -> None:
    seen: list[tuple[int, dict[str, Any]]] = []

    class Sink:
        def phemu_subscription_delivery(self, emulator: Emulator, entry: dict[str, Any]) -> None:
            seen.append((len(emulator.outbox), entry))

    emulator = make(Sink())
    emulator.outbox.append({"kind": "scheduled", "target_type": "email", "subscription": 4})
    emulator.outbox.append({"kind": "value_change", "target_type": "webhook", "subscription": 5})
    assert seen == [
        (1, {"id": 1, "kind": "scheduled", "target_type": "email", "subscription": 4}),
        (2, {"id": 2, "kind": "value_change", "target_type": "webhook", "subscription": 5}),
    ]


# -- phemu_control_routes ---------------------------------------------------------------------
def notes(emulator: Emulator, request: Request) -> Response:
    store = emulator.extensions.setdefault("notes", [])
    if request.method == "POST":
        text = request.get_json(silent=True)
        if not isinstance(text, str):
            raise ControlError("a note is a JSON string")
        store.append(text)
    return reply({"notes": store})


def note(emulator: Emulator, request: Request, index: int) -> Response:
    return reply({"note": emulator.extensions.get("notes", [])[index]})


class Control:
    def phemu_control_routes(self) -> list[Any]:
        return [
            ("/_phemu/notes", ("GET", "POST"), notes),
            ("/_phemu/notes/<int:index>", ("GET",), note),
        ]


def test_control_routes_are_added_with_path_values_and_400s() -> None:
    emulator = make(Control())
    client = emulator.client()
    assert client.post("/_phemu/notes", json="hello").json == {"notes": ["hello"]}
    assert client.get("/_phemu/notes/0").json == {"note": "hello"}
    bad = client.post("/_phemu/notes", json=3)
    assert (bad.status_code, bad.json) == (400, {"error": "a note is a JSON string"})
    assert client.get("/_phemu/health").status_code == 200  # the built-in rows are still there
    assert make().client().get("/_phemu/notes").status_code == 404
    assert emulator.requests() == []  # the control plane is never journaled


def test_control_routes_must_live_under_the_control_prefix() -> None:
    class Outside:
        def phemu_control_routes(self) -> list[Any]:
            return [("/api/notes", ("GET",), notes)]

    class Duplicate:
        def phemu_control_routes(self) -> list[Any]:
            return [("/_phemu/health", ("GET",), notes)]

    with pytest.raises(ConfigurationError, match="must start with /_phemu/"):
        make(Outside())
    with pytest.raises(ConfigurationError, match="duplicate control route '/_phemu/health'"):
        make(Duplicate())


def test_a_plugin_may_not_redefine_a_seed_key() -> None:
    from phemu.seed import SeedSection

    class Clash:
        def phemu_seed_sections(self) -> list[SeedSection]:
            return [SeedSection("projects", lambda emulator, records: None, lambda emulator: [])]

    with pytest.raises(ConfigurationError, match="redefines the seed key 'projects'"):
        make(Clash())
