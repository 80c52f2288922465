/*
 * report_html: one self-contained HTML page per scenario run (declared in
 * report.h): the description, the verdicts, the backend table, and an SVG
 * timeline of each backend's active connections (report_timeline.c) with
 * the injected faults as dashed lines and the times a backend was down
 * shaded. Inline CSS, no script, every text HTML-escaped.
 *
 *   +---------------------------------------------------+
 *   |            crash b1 :                             |   fault labels
 *   |  8 -        ____   :   //////                     |
 *   |  4 -   ____|    |__:___//////___                  |   one step line
 *   |  0 +---------------------------------- 1s  2s     |   per backend
 *   +---------------------------------------------------+
 *
 * Reads only; single-threaded.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "report_escape.h"
#include "report_file.h"
#include "report_label.h"
#include "report_timeline.h"

#define HTML_MAX_POINTS 2000        /* per backend line */
#define SVG_WIDTH 960
#define SVG_HEIGHT 400
#define SVG_LEFT 56                 /* room for the y labels */
#define SVG_RIGHT 24
#define SVG_TOP 44                  /* room for two rows of fault labels */
#define SVG_LANE 14                 /* from one row of fault labels to the
                                     * next; more rows make the plot taller */
#define SVG_LANES_MAX 8
#define SVG_CHAR_WIDTH 7.0          /* of a 12px sans-serif label, at most */
#define SVG_BOTTOM 40               /* room for the x labels */

/* Where the plot sits in the SVG and what its axes span. */
struct plot {
    double left, top, width, height;
    double x_max;                   /* seconds at the right edge */
    double x_step;                  /* between x ticks */
    int y_max;                      /* connections at the top edge */
    int y_step;
};

static const char *const html_palette[] = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
};

static const char html_style[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}"
    "h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}"
    "table{border-collapse:collapse}td,th{padding:3px 10px;"
    "text-align:left;vertical-align:top;border-bottom:1px solid #ddd}"
    "td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}"
    ".pass{color:#1a7f37;font-weight:bold}.fail{color:#cf222e;"
    "font-weight:bold}.skip{color:#777;font-weight:bold}"
    ".reason{white-space:pre-wrap;max-width:640px}"
    ".swatch{display:inline-block;width:18px;height:3px;margin:0 6px 3px 0;"
    "vertical-align:middle}.legend span.item{margin-right:18px}"
    ".desc{color:#555;margin:0}svg{border:1px solid #ddd;max-width:100%}";

static const char *html_color(size_t backend)
{
    return html_palette[backend % (sizeof(html_palette) /
                                   sizeof(html_palette[0]))];
}

static void html_status(FILE *out, bool ok)
{
    fprintf(out, "<span class=\"%s\">%s</span>", ok ? "pass" : "fail",
            ok ? "PASS" : "FAIL");
}

static void html_head(FILE *out, const struct report_result *result)
{
    const struct scenario *scenario = result->scenario;
    char summary[128];

    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "\n<title>", out);
    report_escape_xml(out, report_label_scenario(result));
    fprintf(out, "</title>\n<style>%s</style></head>\n<body>\n<h1>",
            html_style);
    report_escape_xml(out, report_label_scenario(result));
    fputs("</h1>\n", out);
    if (scenario != NULL && scenario->description[0] != '\0') {
        fputs("<p class=\"desc\">", out);
        report_escape_xml(out, scenario->description);
        fputs("</p>\n", out);
    }
    fputs("<p>", out);
    html_status(out, report_passed(result));
    fputs(": ", out);
    report_escape_xml(out, report_label_summary(result, summary,
                                                sizeof(summary)));
    fprintf(out, " (%.1f s)</p>\n", result->duration_s);
    if (result->aborted) {
        fputs("<p class=\"fail reason\">", out);
        report_escape_xml(out, result->error);
        fputs("</p>\n", out);
    }
}

static void html_verdicts(FILE *out, const struct report_result *result)
{
    size_t count = report_label_count(result);
    char name[REPORT_LABEL_MAX];

    if (count == 0)
        return;
    fputs("<h2>Expectations</h2>\n<table>\n<tr><th></th><th>expectation"
          "</th><th class=\"num\">line</th><th>reason</th></tr>\n", out);
    for (size_t i = 0; i < count; i++) {
        const struct scenario_expect *e = &result->scenario->expects[i];

        fputs("<tr><td>", out);
        if (result->verdicts[i].skipped)
            fputs("<span class=\"skip\">SKIP</span>", out);
        else
            html_status(out, result->verdicts[i].ok);
        fputs("</td><td>", out);
        report_escape_xml(out, report_label_expect(e, name, sizeof(name)));
        fprintf(out, "</td><td class=\"num\">%d</td><td class=\"reason\">",
                e->line);
        report_escape_xml(out, result->verdicts[i].reason);
        fputs("</td></tr>\n", out);
    }
    fputs("</table>\n", out);
}

static void html_backends(FILE *out, const struct report_result *result)
{
    size_t count = result->scenario != NULL
                       ? result->scenario->backend_count
                       : 0;

    if (result->aborted || count == 0)
        return;
    if (count > SCENARIO_MAX_BACKENDS)
        count = SCENARIO_MAX_BACKENDS;
    fputs("<h2>Backends</h2>\n<table>\n<tr><th>backend</th>"
          "<th class=\"num\">conns</th><th class=\"num\">share</th>"
          "<th class=\"num\">peak</th><th class=\"num\">fails</th>"
          "<th class=\"num\">picks</th></tr>\n", out);
    for (size_t i = 0; i < count; i++) {
        const struct check_backend_row *row = &result->rows[i];

        fprintf(out, "<tr><td><span class=\"swatch\" style=\"background:"
                     "%s\"></span>", html_color(i));
        report_escape_xml(out, result->scenario->backends[i].name);
        fprintf(out, "</td><td class=\"num\">%ld</td><td class=\"num\">"
                     "%.1f%%</td><td class=\"num\">%d</td><td class=\"num\">"
                     "%ld</td><td class=\"num\">%ld</td></tr>\n",
                row->connections, row->share_pct, row->peak_active,
                row->failures, row->picks);
    }
    fputs("</table>\n", out);
}

/* A round step (1, 2 or 5 times a power of ten) giving about target
 * ticks over range. */
static double nice_step(double range, int target)
{
    double raw = range / target;
    double magnitude = pow(10, floor(log10(raw)));
    double norm = raw / magnitude;

    if (norm <= 1)
        return magnitude;
    if (norm <= 2)
        return 2 * magnitude;
    if (norm <= 5)
        return 5 * magnitude;
    return 10 * magnitude;
}

/* The plot, below lanes rows of fault labels (at least two). */
static struct plot plot_make(const struct report_timeline *timeline,
                             int lanes)
{
    struct plot plot;
    int peak = timeline->peak > 0 ? timeline->peak : 1;

    plot.left = SVG_LEFT;
    plot.top = SVG_TOP + SVG_LANE * (lanes > 2 ? lanes - 2 : 0);
    plot.width = SVG_WIDTH - SVG_LEFT - SVG_RIGHT;
    plot.height = SVG_HEIGHT - SVG_TOP - SVG_BOTTOM;
    plot.x_max = timeline->duration;
    plot.x_step = nice_step(plot.x_max, 10);
    plot.y_step = (int)ceil(nice_step(peak, 5));
    if (plot.y_step < 1)
        plot.y_step = 1;
    plot.y_max = (peak + plot.y_step - 1) / plot.y_step * plot.y_step;
    return plot;
}

static double plot_x(const struct plot *plot, double t)
{
    return plot->left + t / plot->x_max * plot->width;
}

static double plot_y(const struct plot *plot, double active)
{
    return plot->top + plot->height - active / plot->y_max * plot->height;
}

static void svg_x_axis(FILE *out, const struct plot *plot)
{
    int decimals = plot->x_step >= 1 ? 0
                                     : (int)ceil(-log10(plot->x_step) - 1e-9);
    double bottom = plot->top + plot->height;

    /* Counting ticks, not adding steps, so rounding cannot drop the last. */
    for (long i = 0; i * plot->x_step <= plot->x_max * (1 + 1e-9); i++) {
        double x = plot_x(plot, i * plot->x_step);

        fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                     "stroke=\"#888\"/>", x, bottom, x, bottom + 5);
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">"
                     "%.*fs</text>\n", x, bottom + 18, decimals,
                i * plot->x_step);
    }
    fprintf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">"
                 "time since the proxy started</text>\n",
            plot->left + plot->width / 2, SVG_HEIGHT - 4);
}

static void svg_y_axis(FILE *out, const struct plot *plot)
{
    for (int value = 0; value <= plot->y_max; value += plot->y_step) {
        double y = plot_y(plot, value);

        fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                     "stroke=\"%s\"/>", plot->left - 5, y,
                plot->left + plot->width, y, value == 0 ? "#888" : "#eee");
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%d"
                     "</text>\n", plot->left - 8, y + 4, value);
    }
    fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                 "stroke=\"#888\"/>\n", plot->left, plot->top, plot->left,
            plot->top + plot->height);
    fprintf(out, "<text transform=\"translate(14 %.1f) rotate(-90)\" "
                 "text-anchor=\"middle\">active connections</text>\n",
            plot->top + plot->height / 2);
}

/* The shaded times when a backend was down, each labelled inside. */
static void svg_down_spans(FILE *out, const struct plot *plot,
                           const struct report_timeline *timeline,
                           const struct scenario *scenario)
{
    for (size_t b = 0; b < timeline->backend_count; b++) {
        const struct report_timeline_series *series = &timeline->series[b];

        for (size_t i = 0; i < series->down_count; i++) {
            double from = plot_x(plot, series->down[i].from);
            double width = plot_x(plot, series->down[i].to) - from;

            fprintf(out, "<rect class=\"down\" x=\"%.1f\" y=\"%.1f\" "
                         "width=\"%.1f\" height=\"%.1f\" fill=\"%s\" "
                         "fill-opacity=\"0.15\"><title>",
                    from, plot->top, width < 1 ? 1 : width, plot->height,
                    html_color(b));
            report_escape_xml(out, scenario->backends[b].name);
            fprintf(out, " down %.3fs to %.3fs</title></rect>\n",
                    series->down[i].from, series->down[i].to);
            fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\" "
                         "font-size=\"11\">", from + 3,
                    plot->top + plot->height - 6 - 13.0 * (double)(b % 4),
                    html_color(b));
            report_escape_xml(out, scenario->backends[b].name);
            fputs(" down</text>\n", out);
        }
    }
}

/* Where a mark's label lies along x: it starts just right of its line,
 * or, in the right quarter, ends just left of it. */
struct label_span {
    double from, to;
    bool right_half;
};

static struct label_span label_span(const struct plot *plot,
                                    const struct report_timeline_mark *mark)
{
    double x = plot_x(plot, mark->t);
    double width = SVG_CHAR_WIDTH * (double)strlen(mark->label);
    bool right_half = x > plot->left + plot->width * 0.75;

    return right_half ? (struct label_span){ x - 3 - width, x - 3, true }
                      : (struct label_span){ x + 3, x + 3 + width, false };
}

/*
 * Gives each mark a row (lane[i], 0 next to the plot) where its label
 * overlaps no other: marks taken from left to right, each in the first row
 * whose last label ends before it begins (or, all rows full, the one that
 * ends first). Returns the rows used, at least two.
 */
static int label_lanes(const struct plot *plot,
                       const struct report_timeline *timeline, int *lane)
{
    double end[SVG_LANES_MAX];
    bool *done = calloc(timeline->mark_count + 1, sizeof(*done));
    int used = 2;

    for (int l = 0; l < SVG_LANES_MAX; l++)
        end[l] = -1e9;
    for (size_t n = 0; n < timeline->mark_count; n++) {
        size_t next = 0;
        bool found = false;
        struct label_span span;
        int best = 0;

        for (size_t i = 0; i < timeline->mark_count; i++) {
            if (done != NULL && done[i])
                continue;
            if (!found || label_span(plot, &timeline->marks[i]).from <
                          label_span(plot, &timeline->marks[next]).from)
                next = i;
            found = true;
        }
        if (done == NULL)
            next = n;       /* no memory: in time order */
        else
            done[next] = true;
        span = label_span(plot, &timeline->marks[next]);
        for (int l = 0; l < SVG_LANES_MAX; l++) {
            if (end[l] + 6 <= span.from) {
                best = l;
                break;
            }
            if (end[l] < end[best])
                best = l;
        }
        end[best] = span.to > end[best] ? span.to : end[best];
        lane[next] = best;
        if (best + 1 > used)
            used = best + 1;
    }
    free(done);
    return used;
}

/* A dashed line per fault, up to its label's row above the plot. */
static void svg_marks(FILE *out, const struct plot *plot,
                      const struct report_timeline *timeline, const int *lane)
{
    for (size_t i = 0; i < timeline->mark_count; i++) {
        const struct report_timeline_mark *mark = &timeline->marks[i];
        double x = plot_x(plot, mark->t);
        struct label_span span = label_span(plot, mark);
        double text_y = plot->top - 6.0 - SVG_LANE * (double)lane[i];

        fprintf(out, "<line class=\"fault\" x1=\"%.1f\" y1=\"%.1f\" "
                     "x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\" "
                     "stroke-dasharray=\"5,4\"/>",
                x, text_y + 4.0, x, plot->top + plot->height);
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">",
                span.right_half ? x - 3 : x + 3, text_y,
                span.right_half ? "end" : "start");
        report_escape_xml(out, mark->label);
        fputs("</text>\n", out);
    }
}

static void svg_lines(FILE *out, const struct plot *plot,
                      const struct report_timeline *timeline,
                      const struct scenario *scenario)
{
    for (size_t b = 0; b < timeline->backend_count; b++) {
        const struct report_timeline_series *series = &timeline->series[b];
        /* Balanced backends have equal counts, and their lines lie on
         * each other: each line is drawn thinner than the one before
         * it, so that the earlier ones show round the later ones. */
        size_t later = timeline->backend_count - 1 - b;

        fputs("<polyline data-backend=\"", out);
        report_escape_xml(out, scenario->backends[b].name);
        fprintf(out, "\" fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\" "
                     "stroke-linejoin=\"round\" points=\"", html_color(b),
                1.5 + 1.5 * (double)(later < 3 ? later : 3));
        for (size_t i = 0; i < series->point_count; i++)
            fprintf(out, "%s%.1f,%.1f", i > 0 ? " " : "",
                    plot_x(plot, series->points[i].t),
                    plot_y(plot, series->points[i].active));
        fputs("\"><title>", out);
        report_escape_xml(out, scenario->backends[b].name);
        fputs("</title></polyline>\n", out);
    }
}

static void html_legend(FILE *out, const struct report_timeline *timeline,
                        const struct scenario *scenario)
{
    fputs("<p class=\"legend\">", out);
    for (size_t b = 0; b < timeline->backend_count; b++) {
        fprintf(out, "<span class=\"item\"><span class=\"swatch\" "
                     "style=\"background:%s\"></span>", html_color(b));
        report_escape_xml(out, scenario->backends[b].name);
        fputs("</span>", out);
    }
    fputs("<span class=\"item\"><span class=\"swatch\" style=\"border-top:"
          "2px dashed #333;height:0\"></span>fault injected</span>"
          "<span class=\"item\"><span class=\"swatch\" style=\"background:"
          "#777;opacity:0.25;height:10px\"></span>backend down (shaded in "
          "its colour)</span>"
          "</p>\n", out);
}

static void html_timeline(FILE *out, const struct report_timeline *timeline,
                          const struct scenario *scenario)
{
    int *lane = calloc(timeline->mark_count + 1, sizeof(*lane));
    struct plot plot = plot_make(timeline, 2);
    int lanes = lane != NULL ? label_lanes(&plot, timeline, lane) : 2;
    int height = SVG_HEIGHT + SVG_LANE * (lanes - 2);

    plot = plot_make(timeline, lanes);
    fprintf(out, "<h2>Active connections per backend</h2>\n"
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
                 "height=\"%d\" viewBox=\"0 0 %d %d\" "
                 "font-family=\"sans-serif\" font-size=\"12\">\n",
            SVG_WIDTH, height, SVG_WIDTH, height);
    svg_down_spans(out, &plot, timeline, scenario);
    svg_y_axis(out, &plot);
    svg_x_axis(out, &plot);
    svg_lines(out, &plot, timeline, scenario);
    if (lane != NULL)
        svg_marks(out, &plot, timeline, lane);
    free(lane);
    fputs("</svg>\n", out);
    html_legend(out, timeline, scenario);
}

/* DIR/<scenario file name without .scn><suffix>.html into buf. */
static int page_path(const char *dir, const struct report_result *result,
                     const char *suffix, char *buf, size_t size)
{
    const char *path = result->scenario != NULL ? result->scenario->path : "";
    const char *base = strrchr(path, '/');
    size_t len;
    int written;

    base = base != NULL ? base + 1 : path;
    len = strlen(base);
    if (len > 4 && strcmp(base + len - 4, ".scn") == 0)
        len -= 4;
    if (len == 0) {
        base = "scenario";
        len = strlen(base);
    }
    written = snprintf(buf, size, "%s/%.*s%s.html", dir, (int)len, base,
                       suffix);
    if (written < 0 || (size_t)written >= size) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

/* The page; the timeline only when there is an outcome to draw it from. */
static void html_page(FILE *out, const struct report_result *result,
                      const struct report_timeline *timeline)
{
    html_head(out, result);
    html_verdicts(out, result);
    html_backends(out, result);
    if (timeline != NULL)
        html_timeline(out, timeline, result->scenario);
    else
        fputs("<p>No timeline: nothing was run.</p>\n", out);
    fputs("</body></html>\n", out);
}

int report_html(const char *dir, const struct report_result *result,
                const struct outcome *outcome)
{
    struct report_timeline timeline;
    bool drawn = outcome != NULL && result->scenario != NULL;
    char path[PATH_MAX];
    FILE *out;
    int status = -1, saved;

    if (report_file_mkdir(dir) == -1 ||
        page_path(dir, result, "", path, sizeof(path)) == -1)
        return -1;
    if (drawn && report_timeline_build(&timeline, result->scenario, outcome,
                                       HTML_MAX_POINTS) == -1)
        goto out;
    out = report_file_open(path);
    if (out == NULL)
        goto out;
    html_page(out, result, drawn ? &timeline : NULL);
    status = report_file_close(out);
out:
    saved = errno;
    if (drawn)
        report_timeline_free(&timeline);
    errno = saved;
    return status;
}

/* One policy's part of the comparison page. */
static int compare_section(FILE *out, const struct report_result *result,
                           const struct outcome *outcome)
{
    struct report_timeline timeline;
    char summary[128];
    int rc = 0;

    fputs("<h2>--balance ", out);
    report_escape_xml(out, scenario_policy(result->scenario));
    fputs("</h2>\n<p>", out);
    html_status(out, report_passed(result));
    fputs(": ", out);
    report_escape_xml(out, report_label_summary(result, summary,
                                                sizeof(summary)));
    fputs("</p>\n", out);
    html_verdicts(out, result);
    html_backends(out, result);
    if (report_timeline_build(&timeline, result->scenario, outcome,
                              HTML_MAX_POINTS) == -1)
        rc = -1;
    else
        html_timeline(out, &timeline, result->scenario);
    report_timeline_free(&timeline);
    return rc;
}

int report_html_compare(const char *dir, const struct report_result *results,
                        const struct outcome *outcomes, size_t count)
{
    char path[PATH_MAX];
    FILE *out;
    int rc = 0;

    if (count == 0 || report_file_mkdir(dir) == -1 ||
        page_path(dir, &results[0], "-compare", path, sizeof(path)) == -1)
        return -1;
    out = report_file_open(path);
    if (out == NULL)
        return -1;
    html_head(out, &results[0]);
    for (size_t i = 0; i < count && rc == 0; i++)
        rc = compare_section(out, &results[i], &outcomes[i]);
    fputs("</body></html>\n", out);
    if (report_file_close(out) == -1)
        rc = -1;
    return rc;
}
