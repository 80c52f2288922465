/*
 * fuzz_scenario: libFuzzer target for the .scn parser,
 * scenario_parse_text (harness_src/scenario.h).
 *
 * An input is the text of a scenario file; its error messages go to
 * /dev/null, so their formatting runs too. Besides the sanitizers, the
 * target checks the parser's promise "a scenario that parses will run":
 * with no error, every count is within its array and every backend index
 * names a declared backend. The seeds are scenarios/ and
 * scenarios/examples/.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_support.h"
#include "scenario.h"

#define REQUIRE FUZZ_SUPPORT_REQUIRE

/* True when index names one of the scenario's backends. */
static int is_backend(const struct scenario *scn, int index)
{
    return index >= 0 && (size_t)index < scn->backend_count;
}

static void check_backends(const struct scenario *scn)
{
    REQUIRE(scn->backend_count >= 1 &&
            scn->backend_count <= SCENARIO_MAX_BACKENDS);
    for (size_t i = 0; i < scn->backend_count; i++) {
        const struct scenario_backend *backend = &scn->backends[i];
        size_t len = strnlen(backend->name, sizeof(backend->name));

        REQUIRE(len > 0 && len < sizeof(backend->name));
        REQUIRE(scenario_backend_index(scn, backend->name) == (int)i);
        REQUIRE(backend->option_count <= SCENARIO_MAX_OPTIONS);
        REQUIRE(backend->weight >= 1 && backend->weight <= 256);
        REQUIRE(backend->start_ms >= 0 && backend->start_ms < scn->timeout_ms);
    }
}

static void check_events(const struct scenario *scn)
{
    REQUIRE(scn->event_count <= SCENARIO_MAX_EVENTS);
    for (size_t i = 0; i < scn->event_count; i++) {
        const struct scenario_event *event = &scn->events[i];

        if (event->trigger == SCENARIO_AT_TIME)
            REQUIRE(event->at_ms >= 0 && event->at_ms < scn->timeout_ms);
        else
            REQUIRE(is_backend(scn, event->watch_backend));
        if (event->action == SCENARIO_CLIENTS) {
            REQUIRE(event->burst.clients >= 1);
            continue;
        }
        REQUIRE(is_backend(scn, event->backend));
        if (event->action == SCENARIO_START)
            REQUIRE(scn->backends[event->backend].down);
    }
}

static void check_expects(const struct scenario *scn)
{
    REQUIRE(scn->expect_count >= 1 &&
            scn->expect_count <= SCENARIO_MAX_EXPECTS);
    for (size_t i = 0; i < scn->expect_count; i++) {
        const struct scenario_expect *e = &scn->expects[i];

        REQUIRE(memchr(e->text, '\0', sizeof(e->text)) != NULL);
        if (e->check == SCENARIO_CHECK_COMPARE)
            REQUIRE(is_backend(scn, e->other) && e->other != e->backend);
        if (e->check == SCENARIO_CHECK_COMPARE ||
            e->check == SCENARIO_CHECK_SHARE ||
            e->check == SCENARIO_CHECK_DETECT ||
            e->check == SCENARIO_CHECK_RECOVER)
            REQUIRE(is_backend(scn, e->backend));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_support_text(data, size);
    struct scenario *scn = malloc(sizeof(*scn));
    int errors;

    if (scn == NULL)
        abort();
    errors = scenario_parse_text("fuzz.scn", text, scn,
                                 fuzz_support_devnull());
    REQUIRE(errors >= 0);
    REQUIRE(memchr(scn->description, '\0', sizeof(scn->description)));
    if (errors == 0) {
        REQUIRE(scn->proxy_count <= SCENARIO_MAX_OPTIONS);
        check_backends(scn);
        check_events(scn);
        check_expects(scn);
    }
    free(scn);
    free(text);
    return 0;
}
