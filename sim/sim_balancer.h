/*
 * sim_balancer: the proxy's balancer (proxy/balancer.c) as the simulator
 * links it. The same source is compiled a second time with this header
 * forced in first (-include): it gets room for SIM_MAX_BACKENDS slots
 * instead of the proxy's 64, and every public name gets the prefix sim_,
 * so that one program (the harness, the unit-test runner) may hold both
 * the proxy's balancer and the simulator's without a clash. The code of
 * the decisions is the proxy's, line for line.
 *
 * Only the sim/ sources include it, before anything else of the proxy.
 */
#ifndef SIM_BALANCER_H
#define SIM_BALANCER_H

#define SIM_MAX_BACKENDS 1024
#define BALANCER_MAX_BACKENDS SIM_MAX_BACKENDS

#define balancer_add               sim_balancer_add
#define balancer_admin_name        sim_balancer_admin_name
#define balancer_cancel_wait       sim_balancer_cancel_wait
#define balancer_cand_state_name   sim_balancer_cand_state_name
#define balancer_check_result      sim_balancer_check_result
#define balancer_check_result_ev   sim_balancer_check_result_ev
#define balancer_count             sim_balancer_count
#define balancer_create            sim_balancer_create
#define balancer_destroy           sim_balancer_destroy
#define balancer_ew_format         sim_balancer_ew_format
#define balancer_find              sim_balancer_find
#define balancer_first_byte        sim_balancer_first_byte
#define balancer_log_events        sim_balancer_log_events
#define balancer_p2c_format        sim_balancer_p2c_format
#define balancer_pick              sim_balancer_pick
#define balancer_pick_or_queue     sim_balancer_pick_or_queue
#define balancer_policy_name       sim_balancer_policy_name
#define balancer_policy_parse      sim_balancer_policy_parse
#define balancer_queue_depth       sim_balancer_queue_depth
#define balancer_release           sim_balancer_release
#define balancer_release_ev        sim_balancer_release_ev
#define balancer_remove            sim_balancer_remove
#define balancer_set_admin         sim_balancer_set_admin
#define balancer_set_maxconn       sim_balancer_set_maxconn
#define balancer_set_weight        sim_balancer_set_weight
#define balancer_snapshot          sim_balancer_snapshot
#define balancer_spec              sim_balancer_spec
#define balancer_tune              sim_balancer_tune
#define balancer_view_format       sim_balancer_view_format

#include "balancer.h"

#endif
