/*
 * stellarium import: a directory, a raw disk image or a tar stream.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "stellarium.h"

static const char help[] =
	"Usage: stellarium import [OPTIONS] DIRECTORY\n"
	"       stellarium import [OPTIONS] --image FILE\n"
	"       stellarium import [OPTIONS] --tar FILE|-\n"
	"\n"
	"Store a directory tree, a raw disk image or a tar archive, and print the\n"
	"hash of its root. Data is cut into blocks that are stored once: files by\n"
	"content-defined chunking, disk images in fixed aligned blocks (all-zero\n"
	"blocks become holes). Modes, owners, mtimes, xattrs, symlinks, device\n"
	"nodes and hard links are kept. Without --tag the data can be removed by\n"
	"the next gc.\n"
	"\n"
	"Options:\n"
	"  -t, --tag NAME         point ref NAME at the new root once it is durable\n"
	"      --image FILE       import FILE (regular file or block device) as a disk image\n"
	"      --tar FILE         import a tar archive ('-' reads standard input)\n"
	"      --block-size SIZE  image block size, power of two 4K..4M (default 64K)\n"
	"      --chunk-min SIZE   smallest file chunk (default 16K)\n"
	"      --chunk-avg SIZE   average file chunk, a power of two (default 64K)\n"
	"      --chunk-max SIZE   largest file chunk (default 256K)\n"
	"      --json             print the result as JSON\n"
	"  -h, --help             show this help\n"
	"\n"
	"A progress line is drawn on standard error when it is a terminal.\n"
	"Exit status: 0 on success, 1 on failure, 2 on a usage error.\n";

static int parse_size32(const char *program, const char *opt, const char *s, uint32_t *out)
{
	uint64_t v;

	if (volt_parse_size(&v, s) < 0 || v > UINT32_MAX)
		return cli_usage_error(program, "invalid size '%s' for %s", s, opt);
	*out = (uint32_t)v;
	return -1;
}

int verb_import(const struct cli_global *g, int argc, char **argv)
{
	enum { OPT_IMAGE = 0x100, OPT_TAR, OPT_BS, OPT_CMIN, OPT_CAVG, OPT_CMAX, OPT_JSON };
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "tag", required_argument, NULL, 't' },
		{ "image", required_argument, NULL, OPT_IMAGE },
		{ "tar", required_argument, NULL, OPT_TAR },
		{ "block-size", required_argument, NULL, OPT_BS },
		{ "chunk-min", required_argument, NULL, OPT_CMIN },
		{ "chunk-avg", required_argument, NULL, OPT_CAVG },
		{ "chunk-max", required_argument, NULL, OPT_CMAX },
		{ "json", no_argument, NULL, OPT_JSON },
		{},
	};
	volt_cas_import_options o = VOLT_CAS_IMPORT_OPTIONS_INIT;
	volt_cas_progress st = VOLT_CAS_PROGRESS_INIT;
	const char *image = NULL, *tar = NULL, *dir = NULL;
	char hex[VOLT_CAS_HASH_HEX_SIZE], a[VOLT_FORMAT_BUF_SIZE], b[VOLT_FORMAT_BUF_SIZE], c[VOLT_FORMAT_BUF_SIZE];
	bool json = g->json;
	volt_cas *cas = NULL;
	volt_cas_hash root;
	int opt, r, fd = -1;

	while ((opt = getopt_long(argc, argv, "ht:", options, NULL)) != -1) {
		r = -1;
		switch (opt) {
		case 'h': fputs(help, stdout); return CLI_EXIT_OK;
		case 't': o.tag = optarg; break;
		case OPT_IMAGE: image = optarg; break;
		case OPT_TAR: tar = optarg; break;
		case OPT_BS: r = parse_size32(g->program, "--block-size", optarg, &o.block_size); break;
		case OPT_CMIN: r = parse_size32(g->program, "--chunk-min", optarg, &o.chunk_min); break;
		case OPT_CAVG: r = parse_size32(g->program, "--chunk-avg", optarg, &o.chunk_avg); break;
		case OPT_CMAX: r = parse_size32(g->program, "--chunk-max", optarg, &o.chunk_max); break;
		case OPT_JSON: json = true; break;
		default: return cli_usage_error(g->program, "import: unknown option '%s'", argv[optind - 1]);
		}
		if (r >= 0)
			return r;
	}
	if (optind < argc)
		dir = argv[optind++];
	if (optind < argc || !!image + !!tar + !!dir != 1)
		return cli_usage_error(g->program, "import: give exactly one of DIRECTORY, --image FILE or --tar FILE");

	if (st_open(g, true, &cas) < 0)
		return cli_fail(g->program);
	o.progress = st_progress;
	if (image) {
		r = volt_cas_import_image(&root, &st, cas, image, &o);
	} else if (tar) {
		fd = strcmp(tar, "-") == 0 ? STDIN_FILENO : open(tar, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			r = volt_error_set_errno(errno, "open %s", tar);
		else
			r = volt_cas_import_tar(&root, &st, cas, fd, &o);
		if (fd > STDIN_FILENO)
			close(fd);
	} else {
		r = volt_cas_import_dir(&root, &st, cas, dir, &o);
	}
	st_progress_end();
	volt_cas_close(cas);
	if (r < 0)
		return cli_fail(g->program);

	volt_cas_hash_to_hex(hex, &root);
	if (json)
		return cli_print_json(g->program,
				      json_pack("{s:s, s:s?, s:I, s:I, s:I, s:I, s:I, s:I}", "root", hex, "tag", o.tag,
						"entries", (json_int_t)st.files, "bytes", (json_int_t)st.bytes,
						"blocks", (json_int_t)st.blocks, "blocks_new", (json_int_t)st.blocks_new,
						"bytes_new", (json_int_t)st.bytes_new,
						"bytes_stored", (json_int_t)st.bytes_stored));
	printf("%s\n", hex);
	fprintf(stderr, "%llu entries, %s read, %llu blocks, %llu new (%s, %s on disk)%s%s\n",
		(unsigned long long)st.files, volt_format_size(a, st.bytes), (unsigned long long)st.blocks,
		(unsigned long long)st.blocks_new, volt_format_size(b, st.bytes_new),
		volt_format_size(c, st.bytes_stored), o.tag ? ", tagged " : "", o.tag ? o.tag : "");
	return CLI_EXIT_OK;
}
