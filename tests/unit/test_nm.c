/*
 * test_nm.c - native messaging framing: whole, split and joined frames, oversize
 * frames skipped with the stream kept in step, pending bytes at EOF, the writer.
 */
#include "testutil.h"

#include "precedent/error.h"
#include "precedent/limits.h"
#include "precedent/nm.h"

static void frame_of(buf_t *b, const char *json)
{
	uint32_t n = (uint32_t)strlen(json);
	buf_append(b, &n, 4);
	buf_puts(b, json);
}

static void test_whole_frame_is_returned(void **state)
{
	(void)state;
	nm_decoder_t d;
	buf_t b;
	const char *f;
	size_t len;
	nm_decoder_init(&d, 1024);
	buf_init(&b, 0);
	frame_of(&b, "{\"id\":1}");
	nm_decoder_feed(&d, b.data, b.len);
	assert_int_equal(nm_decoder_next(&d, &f, &len), NM_FRAME);
	assert_int_equal(len, 8);
	assert_memory_equal(f, "{\"id\":1}", 8);
	assert_int_equal(nm_decoder_next(&d, &f, &len), NM_NEED_MORE);
	assert_false(nm_decoder_pending(&d));
	buf_release(&b);
	nm_decoder_release(&d);
}

static void test_frame_fed_byte_by_byte_arrives_once(void **state)
{
	(void)state;
	nm_decoder_t d;
	buf_t b;
	const char *f;
	size_t len;
	int frames = 0;
	char last[8] = "";
	size_t last_len = 0;
	nm_decoder_init(&d, 1024);
	buf_init(&b, 0);
	frame_of(&b, "{\"type\":\"hello\"}");
	frame_of(&b, "[]");
	for (size_t i = 0; i < b.len; i++) {
		nm_decoder_feed(&d, b.data + i, 1);
		int ev;
		while ((ev = nm_decoder_next(&d, &f, &len)) == NM_FRAME) {
			frames++;
			last_len = len < sizeof last ? len : sizeof last;
			memcpy(last, f, last_len);
		}
		if (i + 1 < 4)
			assert_true(nm_decoder_pending(&d));
	}
	assert_int_equal(frames, 2);
	assert_int_equal(last_len, 2);
	assert_memory_equal(last, "[]", 2);
	assert_false(nm_decoder_pending(&d));
	buf_release(&b);
	nm_decoder_release(&d);
}

static void test_oversize_frame_is_skipped_and_next_frame_works(void **state)
{
	(void)state;
	nm_decoder_t d;
	buf_t b;
	const char *f;
	size_t len;
	nm_decoder_init(&d, 16);
	buf_init(&b, 0);
	frame_of(&b, "{\"this frame is\":\"far too long for the cap\"}");
	frame_of(&b, "{\"ok\":1}");
	/* Feed the oversize frame in two parts: the skip must span feeds. */
	nm_decoder_feed(&d, b.data, 10);
	assert_int_equal(nm_decoder_next(&d, &f, &len), NM_OVERSIZE);
	assert_int_equal(len, 44);
	assert_int_equal(nm_decoder_next(&d, &f, &len), NM_NEED_MORE);
	assert_true(nm_decoder_pending(&d));
	nm_decoder_feed(&d, b.data + 10, b.len - 10);
	assert_int_equal(nm_decoder_next(&d, &f, &len), NM_FRAME);
	assert_int_equal(len, 8);
	assert_memory_equal(f, "{\"ok\":1}", 8);
	buf_release(&b);
	nm_decoder_release(&d);
}

static void test_truncated_frame_is_pending(void **state)
{
	(void)state;
	nm_decoder_t d;
	const char *f;
	size_t len;
	uint32_t n = 100;
	nm_decoder_init(&d, 1024);
	nm_decoder_feed(&d, &n, 4);
	nm_decoder_feed(&d, "abc", 3);
	assert_int_equal(nm_decoder_next(&d, &f, &len), NM_NEED_MORE);
	assert_true(nm_decoder_pending(&d));
	nm_decoder_release(&d);
}

static void test_writer_frames_and_refuses_oversize(void **state)
{
	(void)state;
	int fds[2];
	char hdr[4];
	char body[16];
	uint32_t n;
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(nm_write_frame(fds[1], "{\"a\":1}", 7), 0);
	assert_int_equal(read(fds[0], hdr, 4), 4);
	memcpy(&n, hdr, 4);
	assert_int_equal(n, 7);
	assert_int_equal(read(fds[0], body, 7), 7);
	assert_memory_equal(body, "{\"a\":1}", 7);
	char *big = calloc(NM_OUT_CAP + 2, 1);
	assert_int_equal(nm_write_frame(fds[1], big, NM_OUT_CAP + 1), PRECEDENT_ETOOBIG);
	free(big);
	close(fds[0]);
	close(fds[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_whole_frame_is_returned),
	    cmocka_unit_test(test_frame_fed_byte_by_byte_arrives_once),
	    cmocka_unit_test(test_oversize_frame_is_skipped_and_next_frame_works),
	    cmocka_unit_test(test_truncated_frame_is_pending),
	    cmocka_unit_test(test_writer_frames_and_refuses_oversize),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
