/* The bundled roster and aliases file, linked in as bytes (read by
 * chatbot/roster/roster_default.c and chatbot/roster/lookup_names.c). */
	.section .rodata
	.global govbot_roster_md
	.global govbot_roster_md_end
	.balign 16
govbot_roster_md:
	.incbin "chatbot/roster/persons_of_interest.md"
govbot_roster_md_end:
	.byte 0
	.global govbot_aliases_json
	.global govbot_aliases_json_end
	.balign 16
govbot_aliases_json:
	.incbin "chatbot/roster/aliases.json"
govbot_aliases_json_end:
	.byte 0
	.section .note.GNU-stack,"",@progbits
