/* The bundled roster, linked in as bytes (read by chatbot/roster_default.c). */
	.section .rodata
	.global govbot_roster_md
	.global govbot_roster_md_end
	.balign 16
govbot_roster_md:
	.incbin "chatbot/roster/persons_of_interest.md"
govbot_roster_md_end:
	.byte 0
	.section .note.GNU-stack,"",@progbits
