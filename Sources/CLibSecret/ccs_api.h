// The libsecret, GLib, GObject and GIO functions the client uses, loaded with dlopen by ccs_load() (loader.c) into
// ccs_api; in ccs_client.c every name is redirected to its table entry (CCS_LOADER undefined), so that file reads
// as ordinary libsecret and GLib code and links against none of them.
#ifndef CCS_API_H
#define CCS_API_H

#define SECRET_API_SUBJECT_TO_CHANGE 1
// GLib's cast-check macros would call functions that are not in the table below.
#define G_DISABLE_CAST_CHECKS 1
#include <libsecret/secret.h>
#include <gio/gio.h>

#include "ccs_shim.h"

#define CCS_API(X) \
    X(secret_service_get_type) X(secret_error_get_quark) \
    X(secret_service_ensure_session) X(secret_service_ensure_session_finish) \
    X(secret_service_search_for_dbus_paths) X(secret_service_search_for_dbus_paths_finish) \
    X(secret_service_get_secret_for_dbus_path) X(secret_service_get_secret_for_dbus_path_finish) \
    X(secret_service_read_alias_dbus_path) X(secret_service_read_alias_dbus_path_finish) \
    X(secret_service_create_item_dbus_path) X(secret_service_create_item_dbus_path_finish) \
    X(secret_service_delete_item_dbus_path) X(secret_service_delete_item_dbus_path_finish) \
    X(secret_service_unlock_dbus_paths) X(secret_service_unlock_dbus_paths_finish) \
    X(secret_service_get_session_algorithms) \
    X(secret_item_new_for_dbus_path) X(secret_item_new_for_dbus_path_finish) X(secret_item_get_attributes) \
    X(secret_item_get_locked) X(secret_item_set_secret) X(secret_item_set_secret_finish) \
    X(secret_item_set_attributes) X(secret_item_set_attributes_finish) \
    X(secret_collection_new_for_dbus_path) X(secret_collection_new_for_dbus_path_finish) \
    X(secret_collection_get_locked) X(secret_collection_get_label) \
    X(secret_value_new) X(secret_value_get) X(secret_value_unref) \
    X(g_io_error_quark) X(g_quark_from_static_string) X(g_dbus_error_get_remote_error) \
    X(g_dbus_error_encode_gerror) X(g_dbus_error_strip_remote_error) \
    X(g_main_context_new) X(g_main_context_unref) X(g_main_context_iteration) \
    X(g_main_context_push_thread_default) X(g_main_context_pop_thread_default) \
    X(g_timeout_source_new) X(g_source_set_callback) X(g_source_attach) X(g_source_destroy) X(g_source_unref) \
    X(g_cancellable_new) X(g_cancellable_cancel) X(g_object_ref) X(g_object_unref) X(g_object_set) \
    X(g_async_initable_new_async) X(g_async_initable_new_finish) X(g_type_register_static_simple) \
    X(g_type_class_peek_parent) X(g_type_check_instance_is_a) \
    X(g_dbus_connection_new_for_address) X(g_dbus_connection_new_for_address_finish) \
    X(g_dbus_connection_get_stream) \
    X(g_socket_connection_get_type) X(g_socket_connection_get_socket) X(g_socket_get_fd) \
    X(g_task_new) X(g_task_return_pointer) X(g_task_return_error) X(g_task_propagate_pointer) \
    X(g_variant_new_string) X(g_variant_unref) X(g_variant_ref_sink) X(g_variant_type_checked_) \
    X(g_variant_builder_new) X(g_variant_builder_add) X(g_variant_builder_end) X(g_variant_builder_unref) \
    X(g_hash_table_new_full) X(g_hash_table_insert) X(g_hash_table_lookup) X(g_hash_table_remove) X(g_hash_table_steal_extended) X(g_hash_table_replace) X(g_hash_table_unref) \
    X(g_hash_table_iter_init) X(g_hash_table_iter_next) X(g_hash_table_size) X(g_str_hash) X(g_str_equal) \
    X(g_strdup) X(g_free) X(g_strfreev) X(g_malloc0_n) X(g_error_free) X(g_error_new_literal) \
    X(g_get_monotonic_time) X(g_variant_dup_objv) X(g_dbus_proxy_get_cached_property) \
    X(g_log_set_default_handler) X(g_log_set_writer_func) X(g_dbus_address_escape_value) X(g_strconcat) \
    X(g_dbus_unescape_object_path) X(g_dbus_proxy_get_flags) X(g_dbus_proxy_get_name_owner) X(secret_item_get_type) \
    X(secret_item_get_service) X(secret_collection_get_type) X(secret_collection_get_service)

#define CCS_API_ENTRY(name) __typeof__(name) *name;
struct ccs_api { CCS_API(CCS_API_ENTRY) };
#undef CCS_API_ENTRY
extern struct ccs_api ccs_api;

#ifndef CCS_LOADER
#include "ccs_redirect.h"
#endif

#endif
