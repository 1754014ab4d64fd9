<?xml version="1.0"?>
<!--
  SPDX-License-Identifier: Apache-2.0
  gdbus-codegen writes one DocBook refentry per D-Bus interface, meant for
  gtk-doc: no manual section, no manual name. This identity transform adds
  what a man page needs (section 5, source and manual names, a SEE ALSO
  section) and leaves everything else as generated.
-->
<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="1.0">
  <xsl:output method="xml" encoding="utf-8"
              doctype-public="-//OASIS//DTD DocBook XML V4.5//EN"
              doctype-system="http://www.oasis-open.org/docbook/xml/4.5/docbookx.dtd"/>
  <xsl:param name="version" select="''"/>
  <xsl:param name="daemon" select="''"/>
  <xsl:param name="client" select="''"/>

  <xsl:template match="@*|node()">
    <xsl:copy><xsl:apply-templates select="@*|node()"/></xsl:copy>
  </xsl:template>

  <!-- index terms are for gtk-doc; in a man page they only add noise -->
  <xsl:template match="indexterm"/>

  <xsl:template match="refmeta">
    <refmeta>
      <refentrytitle><xsl:value-of select="normalize-space(refentrytitle)"/></refentrytitle>
      <manvolnum>5</manvolnum>
      <refmiscinfo class="source">nvme-stas</refmiscinfo>
      <refmiscinfo class="version"><xsl:value-of select="$version"/></refmiscinfo>
      <refmiscinfo class="manual">D-Bus interfaces</refmiscinfo>
    </refmeta>
  </xsl:template>

  <xsl:template match="refentry">
    <xsl:copy>
      <xsl:apply-templates select="@*|node()"/>
      <refsect1>
        <title>See also</title>
        <para>
          <citerefentry><refentrytitle><xsl:value-of select="$daemon"/></refentrytitle><manvolnum>8</manvolnum></citerefentry>,
          <citerefentry><refentrytitle><xsl:value-of select="$client"/></refentrytitle><manvolnum>1</manvolnum></citerefentry>,
          <citerefentry><refentrytitle>nvme-stas</refentrytitle><manvolnum>7</manvolnum></citerefentry>,
          <citerefentry><refentrytitle>busctl</refentrytitle><manvolnum>1</manvolnum></citerefentry>
        </para>
      </refsect1>
    </xsl:copy>
  </xsl:template>
</xsl:stylesheet>
